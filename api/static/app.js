// MotCua: light enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Fold Vietnamese text for searching: lower case, no diacritics, đ -> d.
  function fold(text) {
    return (text || "").replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  window.motcuaFold = fold;
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var list = document.querySelector(input.getAttribute("data-filter"));
    if (!list) { return; }
    function apply() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      list.querySelectorAll("li[data-search]").forEach(function (li) {
        var hay = fold(li.getAttribute("data-search"));
        li.hidden = !words.every(function (w) { return hay.indexOf(w) !== -1; });
      });
    }
    input.addEventListener("input", apply);
    apply();
  });
  // Intake: the supplement and refusal decisions need their list filled in.
  var intake = document.getElementById("intake-form");
  if (intake) {
    intake.addEventListener("submit", function (event) {
      var decision = event.submitter ? event.submitter.value : "receive";
      var field = intake.querySelector("[data-required-for='" + decision + "']");
      if (field && !field.value.trim()) {
        event.preventDefault();
        field.setCustomValidity(decision === "refuse" ? "Hãy ghi lý do từ chối." : "Hãy ghi các thành phần cần bổ sung.");
        field.reportValidity();
        field.addEventListener("input", function () { field.setCustomValidity(""); }, { once: true });
      }
    });
  }
  // Print buttons (no inline handlers: the Content-Security-Policy allows the pages' own scripts only).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // A "select all" box ticks the boxes its data-select-all names, in its own form.
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    all.addEventListener("change", function () {
      all.form.querySelectorAll(all.getAttribute("data-select-all")).forEach(function (box) { box.checked = all.checked; });
    });
  });
  // Prevent a double submission of the same action form.
  document.querySelectorAll("form[method='post']").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  });
})();
