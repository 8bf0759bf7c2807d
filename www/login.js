"use strict";
document.getElementById("login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const box = document.getElementById("login-error");
  box.classList.remove("show");
  const user = document.getElementById("user").value;
  const password = document.getElementById("password").value;
  try {
    await shoal.api("POST", "/login", { user, password }, { noRedirect: true });
    const next = shoal.param("next");
    location.href = next && /^[a-z]+\.html(\?[\w=&%.-]*)?$/.test(next) ? next : "index.html";
  } catch (e) {
    box.textContent = e.status === 429 ? e.message : e.status === 401 ? "Wrong user name or password." : e.message;
    box.classList.add("show");
    document.getElementById("password").select();
  }
});
