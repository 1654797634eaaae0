// A counter under each long text (textarea[data-limit]): "123 of 600 characters", marked when
// over. Without JavaScript the limit is stated in the hint and the server refuses a longer text
// as typed; nothing is ever cut.
(function () {
  "use strict";

  // Latin digits, as Babel writes the limit beside it (also on Arabic pages).
  var numbers = new Intl.NumberFormat((document.documentElement.lang || "en") + "-u-nu-latn");

  function setUp(area) {
    var counter = document.getElementById(area.id + "-counter");
    var limit = parseInt(area.dataset.limit, 10);
    if (!counter || !limit) { return; }
    function update() {
      var count = area.value.length;
      counter.textContent = counter.dataset.template.replace("{count}", numbers.format(count));
      counter.classList.toggle("over", count > limit);
    }
    counter.hidden = false;
    area.addEventListener("input", update);
    update();
  }

  document.querySelectorAll("textarea[data-limit]").forEach(setUp);
})();
