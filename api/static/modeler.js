// The analyst's editor: the bpmn-js modeller (served by the app, no CDN) on the draft's route, and line links.
(function () {
  "use strict";
  var box = document.getElementById("modeler");
  var form = document.getElementById("editor");
  var source = document.getElementById("bpmn_xml");
  var edited = document.getElementById("diagram_edited");
  var text = document.getElementById("text");

  document.querySelectorAll("[data-line]").forEach(function (link) {  // a message's line, selected in the YAML
    link.addEventListener("click", function (event) {
      event.preventDefault();
      if (!text || (link.getAttribute("data-file") || "").slice(-5) !== ".yaml") { return; }
      var lines = text.value.split("\n"), line = parseInt(link.getAttribute("data-line"), 10) - 1, start = 0;
      for (var i = 0; i < line && i < lines.length; i++) { start += lines[i].length + 1; }
      text.focus();
      text.setSelectionRange(start, start + (lines[line] || "").length);
      text.scrollTop = Math.max(0, (line - 3) * 18);
    });
  });

  if (!box || !window.BpmnJS || !form) { return; }
  var modeler = new window.BpmnJS({ container: box, keyboard: { bindTo: document } });
  window.motcuaModeler = modeler;  // for the browser test and power users' console
  var blank = '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="d" ' +
    'targetNamespace="https://motcua.example/bpmn"><bpmn:process id="Process_1" isExecutable="true">' +
    '<bpmn:startEvent id="start"/></bpmn:process><bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="Process_1">' +
    '<bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="160" y="100" width="36" height="36"/></bpmndi:BPMNShape>' +
    '</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>';
  modeler.importXML(source.value.trim() || blank).then(function () {
    modeler.get("canvas").zoom("fit-viewport");
    box.setAttribute("data-rendered", "1");
    modeler.on("commandStack.changed", function () { edited.value = "1"; });
  }).catch(function (err) {
    box.textContent = "Không mở được sơ đồ (" + err + ").";
  });

  var submitter = null;
  form.addEventListener("click", function (event) {
    if (event.target && event.target.name === "action") { submitter = event.target; }
  });
  form.addEventListener("submit", function (event) {  // the drawing goes with the form, as BPMN XML
    if (form.getAttribute("data-ready") === "1") { return; }
    event.preventDefault();
    modeler.saveXML({ format: true }).then(function (result) {
      if (edited.value === "1") { source.value = result.xml; }
      form.setAttribute("data-ready", "1");
      if (submitter) {
        var keep = document.createElement("input");
        keep.type = "hidden"; keep.name = "action"; keep.value = submitter.value;
        form.appendChild(keep);
      }
      form.submit();
    });
  });
})();
