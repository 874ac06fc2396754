// errdex pages: copy buttons on command blocks. A separate file because the
// pages' Content-Security-Policy allows no inline script. Buttons stay
// hidden when this does not run (or the clipboard is unavailable).
(function () {
  'use strict';
  var buttons = document.querySelectorAll('button[data-copy]');
  Array.prototype.forEach.call(buttons, function (button) {
    var block = document.getElementById(button.getAttribute('data-copy'));
    if (!block) {
      return;
    }
    var label = button.textContent;
    var status = button.parentNode.querySelector('.copy-status');
    button.hidden = false;
    button.addEventListener('click', function () {
      var text = block.textContent;
      var done = function (message) {
        if (status) {
          status.textContent = message;
        }
        button.textContent = message;
        setTimeout(function () {
          button.textContent = label;
          if (status) {
            status.textContent = '';
          }
        }, 2000);
      };
      var selectBlock = function () {
        // No clipboard access (e.g. an iframe without allow="clipboard-write"):
        // select the command so Ctrl+C copies it.
        var range = document.createRange();
        range.selectNodeContents(block);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        done(button.getAttribute('data-selected'));
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () {
          done(button.getAttribute('data-copied'));
        }, selectBlock);
      } else {
        selectBlock();
      }
    });
  });
})();
