// A "Copy" button beside a tracking code. Without JavaScript (or without the clipboard API,
// as on a page served over plain HTTP) the button stays hidden: the code is selectable text.
(function () {
  "use strict";

  function setUp(button) {
    var source = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.status);
    if (!source || !navigator.clipboard || !window.isSecureContext) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        if (status) { status.textContent = button.dataset.done; }
      }, function () {
        // Refused (permissions): select the code so that it can be copied by hand.
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        if (status) { status.textContent = button.dataset.failed; }
      });
    });
  }

  document.querySelectorAll("button[data-copy]").forEach(setUp);
})();
