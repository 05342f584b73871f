// The report form, one step at a time. Without this script the same form is
// one page of sections and works the same: everything is sent in one POST
// (nothing is stored before "Enviar denuncia"), and the server checks it all.
// The script only shows one section at a time, moves the focus to each
// step's heading, fills the review from what was entered, takes the worker
// to the step of an error from the summary, and lets Enter do what people
// expect on a phone (next step; tick a box) instead of sending a half form.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var steps = Array.prototype.slice.call(form.querySelectorAll("section.step"));
  if (!steps.length) return;
  var progress = document.getElementById("step-progress");
  var current = 0;

  form.classList.add("js-steps");
  if (progress) progress.hidden = false;
  Array.prototype.forEach.call(
    form.querySelectorAll(".step-nav, .send-row [data-back], #review"),
    function (el) {
      el.hidden = false;
    }
  );

  function indexOf(id) {
    for (var i = 0; i < steps.length; i++) if (steps[i].id === id) return i;
    return -1;
  }

  function show(index, focus) {
    current = Math.max(0, Math.min(index, steps.length - 1));
    steps.forEach(function (step, i) {
      step.hidden = i !== current;
    });
    if (progress) {
      Array.prototype.forEach.call(progress.querySelectorAll("button"), function (b, i) {
        if (i === current) b.setAttribute("aria-current", "step");
        else b.removeAttribute("aria-current");
        b.classList.toggle("done", i < current);
      });
    }
    if (steps[current].id === "step-review") review();
    if (focus) {
      var heading = steps[current].querySelector("h2");
      if (heading) heading.focus();
      window.scrollTo(0, 0);
    }
  }

  function stepOf(element) {
    var section = element && element.closest ? element.closest("section.step") : null;
    return section ? indexOf(section.id) : -1;
  }

  // --- The review ---------------------------------------------------------------
  var reviewList = document.getElementById("review");

  function put(name, text, missing) {
    var dd = reviewList.querySelector('[data-review="' + name + '"]');
    if (!dd) return;
    dd.textContent = text || (missing ? reviewList.dataset.missing : reviewList.dataset.none);
    dd.classList.toggle("missing", !text && !!missing);
  }

  function labelText(input) {
    var label = form.querySelector('label[for="' + input.id + '"]');
    return label ? label.textContent.replace(/\s+/g, " ").trim() : input.value;
  }

  function dateInWords(value) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
    if (!parts) return value;
    var day = new Date(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3]));
    try {
      return day.toLocaleDateString(reviewList.dataset.lang || undefined, {
        day: "numeric",
        month: "long",
        year: "numeric",
      });
    } catch (e) {
      return value;
    }
  }

  function review() {
    if (!reviewList) return;
    var ticked = Array.prototype.map.call(
      form.querySelectorAll("input[name=categories]:checked"),
      labelText
    );
    put("categories", ticked.join("; "), true);
    var place = [];
    var chosen = form.querySelector("input[name=facility_id]:checked");
    if (chosen && chosen.value) place.push(labelText(chosen));
    else if (form.elements.facility_name.value.trim()) place.push(form.elements.facility_name.value.trim());
    var state = form.elements.state;
    if (state.value) place.push(state.options[state.selectedIndex].text);
    put("place", place.join(" · "), !state.value && !(chosen && chosen.value));
    put("date", dateInWords(form.elements.occurred_on.value), false);
    var story = form.elements.narrative.value.trim();
    put("story", story.length > 160 ? story.slice(0, 160) + "…" : story, true);
    var names = Array.prototype.map.call(
      form.querySelectorAll("input[name=held]:checked"),
      labelText
    );
    var input = form.elements.attachments;
    if (input && input.files) {
      for (var i = 0; i < input.files.length; i++) names.push(input.files[i].name);
    }
    put("files", names.join(", "), false);
  }

  // --- Moving between steps -----------------------------------------------------
  form.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("button") : null;
    if (!target || target.type !== "button") return;
    if (target.hasAttribute("data-next")) show(current + 1, true);
    else if (target.hasAttribute("data-back")) show(current - 1, true);
    else if (target.dataset.goto) show(indexOf(target.dataset.goto), true);
  });

  // The summary's links: open the field's step, then focus the field.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
      if (!link) return;
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      show(stepOf(field), false);
      field.focus();
    });
  }

  // Enter: on a box, tick it; in a one-line field, the next step (in the
  // workplace field, search). Never a half-filled form sent by accident.
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) return;
    var el = event.target;
    if (el.tagName === "INPUT" && (el.type === "checkbox" || el.type === "radio")) {
      event.preventDefault();
      el.click();
    } else if (el.tagName === "INPUT" && el.name === "facility_name") {
      event.preventDefault();
      if (window.htmx) window.htmx.trigger(el, "search");
    } else if (el.tagName === "INPUT" && el.type !== "file" && el.type !== "submit") {
      event.preventDefault();
      show(current + 1, true);
    }
  });

  // A workplace chosen from the registry says its state: fill it in if the
  // worker has not chosen one (the server does the same without the script).
  form.addEventListener("change", function (event) {
    var el = event.target;
    if (el.name !== "facility_id" || !el.checked || !el.dataset.state) return;
    var state = form.elements.state;
    if (state && !state.value) state.value = el.dataset.state;
  });

  // The first step shown: the first with a problem, else the one the
  // worker was on, else the first.
  var start = indexOf(form.dataset.currentStep || "");
  show(start < 0 ? 0 : start, false);
  if (summary) summary.focus();
})();
