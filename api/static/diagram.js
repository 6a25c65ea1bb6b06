// The route diagram of a dossier (bpmn-js viewer served by the app): current step highlighted.
(function () {
  "use strict";
  var box = document.getElementById("diagram");
  if (!box || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: box });
  fetch(box.getAttribute("data-xml"), { credentials: "same-origin" })
    .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      function mark(attr, css) {
        (box.getAttribute(attr) || "").split(",").filter(Boolean).forEach(function (id) {
          if (registry.get(id)) { canvas.addMarker(id, css); }
        });
      }
      mark("data-done", "done");
      mark("data-current", "current");
      canvas.zoom("fit-viewport");
      box.setAttribute("data-rendered", "1");
    })
    .catch(function (err) {
      box.textContent = "Không hiển thị được sơ đồ quy trình (" + err + ").";
    });
})();
