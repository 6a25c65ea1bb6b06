// Two versions' diagrams side by side (bpmn-js viewer served by the app); added or removed steps marked.
(function () {
  "use strict";
  if (!window.BpmnJS) { return; }
  document.querySelectorAll("[data-diagram]").forEach(function (box) {
    var viewer = new window.BpmnJS({ container: box });
    fetch(box.getAttribute("data-xml"), { credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
        (box.getAttribute("data-mark") || "").split(",").filter(Boolean).forEach(function (id) {
          if (registry.get(id)) { canvas.addMarker(id, box.getAttribute("data-css")); }
        });
        canvas.zoom("fit-viewport");
        box.setAttribute("data-rendered", "1");
      })
      .catch(function (err) { box.textContent = "Không hiển thị được sơ đồ (" + err + ")."; });
  });
})();
