// A small tus 1.0 client for the staff materials page: creates the upload,
// sends the file in chunks with XMLHttpRequest (for progress events), and
// resumes from the server's offset after a dropped connection, a pause or a
// reload (the upload URL is remembered in localStorage per file).
(function () {
  "use strict";

  const configElement = document.getElementById("tus-config");
  const section = document.getElementById("recording-upload");
  if (!configElement || !section) return;
  const config = JSON.parse(configElement.textContent);
  const text = config.messages;
  const CHUNK = 16 * 1024 * 1024;
  const RETRY_DELAYS = [1, 2, 4, 8, 15, 30, 30, 30, 60, 60];

  const $ = (id) => document.getElementById(id);
  const fileInput = $("tus-file");
  const startButton = $("tus-start");
  const pauseButton = $("tus-pause");
  const bar = $("tus-progress").querySelector("progress");
  const status = $("tus-status");
  section.hidden = false;

  let current = null; // {xhr, paused}

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, key) => values[key]).replace("%%", "%");
  }

  function bytes(n) {
    const units = ["B", "KB", "MB", "GB", "TB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(i ? 1 : 0) + " " + units[i];
  }

  function duration(seconds) {
    if (!isFinite(seconds)) return "…";
    seconds = Math.round(seconds);
    const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
  }

  function b64(value) {
    const data = new TextEncoder().encode(value);
    let binary = "";
    data.forEach((byte) => { binary += String.fromCharCode(byte); });
    return btoa(binary);
  }

  function headers(extra) {
    return Object.assign({ "Tus-Resumable": "1.0.0", "Upload-Token": config.token }, extra);
  }

  function storageKey(file, kind) {
    return ["koza-tus", config.lecture, kind, file.name, file.size, file.lastModified].join(":");
  }

  async function create(file, kind) {
    const metadata = {
      filename: file.name,
      kind: kind,
      title: $("tus-title").value,
      publish: $("tus-publish").checked ? "1" : "0",
    };
    const response = await fetch(config.endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: headers({
        "Upload-Length": String(file.size),
        "Upload-Metadata": Object.entries(metadata).map(([k, v]) => k + " " + b64(v)).join(","),
      }),
    });
    if (response.status !== 201) throw new Refused(await response.text());
    return response.headers.get("Location");
  }

  async function serverOffset(url) {
    const response = await fetch(url, { method: "HEAD", credentials: "same-origin", headers: headers({}), cache: "no-store" });
    if (response.status !== 200) return null;
    return Number(response.headers.get("Upload-Offset"));
  }

  class Refused extends Error {}

  function patch(url, file, offset, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      current.xhr = xhr;
      xhr.open("PATCH", url);
      Object.entries(headers({ "Upload-Offset": String(offset) })).forEach(([k, v]) => xhr.setRequestHeader(k, v));
      xhr.setRequestHeader("Content-Type", "application/offset+octet-stream");
      xhr.upload.onprogress = (event) => onProgress(offset + event.loaded);
      xhr.onload = () => {
        if (xhr.status === 204) resolve(Number(xhr.getResponseHeader("Upload-Offset")));
        else if (xhr.status === 409 || xhr.status >= 500 || xhr.status === 423) reject(new Error(xhr.statusText));
        else reject(new Refused(xhr.responseText || xhr.statusText));
      };
      xhr.onerror = () => reject(new Error("network"));
      xhr.onabort = () => reject(new Error("abort"));
      xhr.send(file.slice(offset, Math.min(offset + CHUNK, file.size)));
    });
  }

  function speedometer() {
    const samples = [];
    return (done) => {
      const now = performance.now();
      samples.push([now, done]);
      while (samples.length > 2 && now - samples[0][0] > 10000) samples.shift();
      const [t0, d0] = samples[0];
      return now > t0 ? ((done - d0) * 1000) / (now - t0) : 0;
    };
  }

  function show(done, total, speed) {
    const percent = total ? Math.floor((done * 100) / total) : 100;
    bar.value = percent;
    status.textContent = format(text.progress, {
      percent: percent,
      done: bytes(done),
      total: bytes(total),
      speed: bytes(speed),
      left: duration(speed > 0 ? (total - done) / speed : Infinity),
    });
  }

  function refreshList() {
    const list = document.getElementById("material-list");
    if (window.htmx && list) {
      window.htmx.ajax("GET", window.location.pathname, { target: "#material-list", swap: "outerHTML" });
    }
  }

  async function start() {
    const file = fileInput.files[0];
    if (!file) { status.textContent = text.nofile; $("tus-progress").hidden = false; return; }
    const kind = $("tus-kind").value;
    const key = storageKey(file, kind);
    current = { xhr: null, paused: false };
    startButton.disabled = true;
    pauseButton.hidden = false;
    $("tus-progress").hidden = false;
    const speed = speedometer();
    try {
      let url = localStorage.getItem(key);
      let offset = url ? await serverOffset(url) : null;
      if (offset === null) {
        url = await create(file, kind);
        localStorage.setItem(key, url);
        offset = 0;
      } else {
        status.textContent = text.resuming;
      }
      let attempt = 0;
      while (offset < file.size || file.size === 0) {
        try {
          offset = await patch(url, file, offset, (done) => show(done, file.size, speed(done)));
          attempt = 0;
          if (file.size === 0) break;
        } catch (error) {
          if (error instanceof Refused || current.paused) throw error;
          if (attempt >= RETRY_DELAYS.length) throw error;
          status.textContent = text.retrying;
          await new Promise((r) => setTimeout(r, RETRY_DELAYS[attempt++] * 1000));
          const confirmed = await serverOffset(url).catch(() => null);
          if (confirmed === null) throw new Refused(text.failed);
          offset = confirmed;
        }
      }
      localStorage.removeItem(key);
      bar.value = 100;
      status.textContent = text.done;
      fileInput.value = "";
      refreshList();
    } catch (error) {
      if (current.paused) {
        status.textContent = text.paused;
      } else {
        if (error instanceof Refused) localStorage.removeItem(key);
        status.textContent = text.failed + " " + error.message;
      }
    } finally {
      startButton.disabled = false;
      pauseButton.hidden = true;
    }
  }

  startButton.addEventListener("click", start);
  pauseButton.addEventListener("click", () => {
    if (!current) return;
    current.paused = true;
    if (current.xhr) current.xhr.abort();
  });
})();
