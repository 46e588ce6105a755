/*
 * scalecheck-select-keys: arrow keys on an ipywidgets drop-down step its choice.
 *
 * Why this is needed: a drop-down (<select>) in a cell's output leaves the
 * notebook in command mode, and JupyterLab 4 handles its shortcuts in a keydown
 * listener on `document` in the bubbling phase. ArrowDown on a focused
 * drop-down therefore also ran "select the next cell", which took the focus
 * away: a learner using the keyboard could not step through an explorer's
 * choices (lesson 00's claims explorer). This plugin listens in the *capture*
 * phase and stops the navigation keys of a drop-down inside a widget from
 * travelling on to JupyterLab. It does not call preventDefault, so the
 * browser still moves the choice and the widget still sees its "change" event.
 * No other key and no other element is touched.
 *
 * Like scalecheck-save, a prebuilt ("federated") JupyterLab extension written
 * by hand, with no build step and no imports.
 */
(function () {
  'use strict';
  var KEYS = ['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown'];
  var plugin = {
    id: 'scalecheck-select-keys:plugin',
    description: 'Arrow keys on an ipywidgets drop-down change its choice, not the notebook cell.',
    autoStart: true,
    activate: function () {
      document.addEventListener('keydown', function (event) {
        var target = event.target;
        if (!(target instanceof HTMLSelectElement) || !target.closest('.jupyter-widgets') ||
            event.ctrlKey || event.metaKey || event.altKey || KEYS.indexOf(event.key) < 0) {
          return;
        }
        event.stopPropagation();
      }, true);
    }
  };
  var container = {
    init: function () { return Promise.resolve(); },
    get: function (module) {
      if (module !== './extension') {
        return Promise.reject(new Error('scalecheck-select-keys has no module ' + module));
      }
      return Promise.resolve(function () { return { __esModule: true, default: [plugin] }; });
    }
  };
  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB['scalecheck-select-keys'] = container;
})();
