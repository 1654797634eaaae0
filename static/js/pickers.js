// Type-ahead for the one-per-line text areas: places (suggested from the offline gazetteer,
// /api/v1/places) and organisations (/api/v1/organisation-names). A chosen suggestion is added
// as a line. Without JavaScript the picker stays hidden and typed lines are matched on the server.
(function () {
  "use strict";

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, wait);
    };
  }

  function setUp(picker) {
    var target = document.getElementById(picker.dataset.target);
    var input = picker.querySelector("input");
    var list = picker.querySelector("datalist");
    var country = picker.dataset.country === "yes" &&
      (document.getElementById("country") || document.getElementById("approve-country"));
    var labels = {};
    if (!target || !input || !list) { return; }
    picker.hidden = false;

    var fetchSuggestions = debounce(function () {
      var query = input.value.trim();
      if (query.length < 2) { return; }
      var url = picker.dataset.url + (picker.dataset.url.indexOf("?") === -1 ? "?" : "&") +
        "q=" + encodeURIComponent(query) +
        (country ? "&country=" + encodeURIComponent(country.value) : "");
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (suggestions) {
          list.textContent = "";
          labels = {};
          suggestions.forEach(function (suggestion) {
            var option = document.createElement("option");
            option.value = suggestion.label;
            labels[suggestion.label] = suggestion.line || suggestion.name;
            list.appendChild(option);
          });
        })
        .catch(function () { /* offline or slow: the server still matches typed lines */ });
    }, 250);

    input.addEventListener("input", function () {
      if (labels[input.value]) {
        var lines = target.value.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
        if (lines.indexOf(labels[input.value]) === -1) { lines.push(labels[input.value]); }
        target.value = lines.join("\n");
        input.value = "";
        list.textContent = "";
        return;
      }
      fetchSuggestions();
    });
  }

  document.querySelectorAll("[data-picker]").forEach(setUp);
})();
