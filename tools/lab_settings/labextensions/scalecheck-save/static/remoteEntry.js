/*
 * scalecheck-save: make Ctrl+S (Cmd+S) save the notebook while the cursor is
 * in an ipywidgets text box.
 *
 * Why this is needed: ipywidgets' text views call event.stopPropagation() on
 * every keydown (so typing "a" in a box does not insert a cell), and
 * JupyterLab 4 handles its shortcuts in a keydown listener on `document` in
 * the *bubbling* phase. The save shortcut therefore never reaches JupyterLab
 * from inside an answer box. This plugin listens in the *capture* phase, which
 * runs before the widget stops the event, and runs JupyterLab's own save
 * command for Ctrl/Cmd+S whose target is inside a widget, after sending the
 * box's current text to the kernel (as Enter or leaving the box would). No
 * other key is touched.
 *
 * It is a prebuilt ("federated") JupyterLab extension written by hand, with no
 * build step: JupyterLab loads this script and asks the container below for
 * "./extension". It imports nothing from JupyterLab; the app is passed to
 * activate().
 */
(function () {
  'use strict';
  function isSaveKey(event) {
    return (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey &&
      typeof event.key === 'string' && event.key.toLowerCase() === 's';
  }
  var plugin = {
    id: 'scalecheck-save:plugin',
    description: 'Ctrl+S saves while the focus is in an ipywidgets input.',
    autoStart: true,
    activate: function (app) {
      document.addEventListener('keydown', function (event) {
        var target = event.target;
        if (!isSaveKey(event) || !(target instanceof Element) || !target.closest('.jupyter-widgets')) {
          return;
        }
        // the browser's own "Save page as" must not open, and JupyterLab must
        // not save a second time if the event would reach it after all
        event.preventDefault();
        event.stopPropagation();
        // a text box sends its value to the kernel on "change", which fires on
        // blur: leave and re-enter the box so what is typed is what is saved
        if (typeof target.blur === 'function' && typeof target.focus === 'function') {
          target.blur();
          target.focus();
        }
        app.commands.execute('docmanager:save');
      }, true);
    }
  };
  var container = {
    init: function () { return Promise.resolve(); },
    get: function (module) {
      if (module !== './extension') {
        return Promise.reject(new Error('scalecheck-save has no module ' + module));
      }
      return Promise.resolve(function () { return { __esModule: true, default: [plugin] }; });
    }
  };
  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB['scalecheck-save'] = container;
})();
