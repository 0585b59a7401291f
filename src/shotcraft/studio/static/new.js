// The guided start's form: post the answers as JSON (with the studio's write header), show the result.
"use strict";
(function () {
  const form = document.getElementById("new-film");
  const result = document.getElementById("result");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answers = {};
    for (const field of form.querySelectorAll("input, select")) answers[field.name] = field.value;
    result.textContent = "drafting…";
    const response = await fetch("/api/new", {
      method: "POST", headers: { "content-type": "application/json", "x-shotcraft": "1" }, body: JSON.stringify(answers),
    });
    const data = await response.json();
    result.replaceChildren();
    const head = document.createElement("p");
    if (!response.ok) {
      head.className = "bad";
      head.textContent = data.error;
      result.append(head);
      return;
    }
    head.id = "written";
    head.textContent = `Wrote ${data.plan}: ${data.shots} shots, ${data.findings.length} lint finding(s), ${data.errors} error(s).`;
    result.append(head);
    const list = document.createElement("ul");
    for (const f of data.findings) {
      const item = document.createElement("li");
      item.textContent = `${f.code} ${f.shot || ""} line ${f.line}: ${f.message}`;
      list.append(item);
    }
    result.append(list);
    const next = document.createElement("pre");
    next.textContent = data.next.join("\n");
    result.append(next);
    form.querySelector("#write").disabled = true;
  });
})();
