// A stocktake page as the frontend builds it: pusher-js, subscribed to its channels, reporting
// every happening to the harness through bindings the harness exposes (window.stocksync*).
// Times are the page's own clock (performance), in ms since the epoch.
"use strict";

// Happenings go to the harness in batches, in order, every BATCH_MS: one binding call per
// delivery would cost the browser, the driver and the harness more than the delivery itself.
const BATCH_MS = 20;
const pending = [];
let flushing = null;
function record(...happening) {
  pending.push(happening);
  if (flushing === null) {
    flushing = setTimeout(() => {
      flushing = null;
      window.stocksyncRecordBatch(pending.splice(0));
    }, BATCH_MS);
  }
}

window.stocksyncStart = function (config) {
  const now = () => performance.timeOrigin + performance.now();
  const options = { enabledTransports: ["ws", "wss"], disableStats: true, forceTLS: config.tls };
  if (config.cluster) {
    options.cluster = config.cluster;
  } else {
    Object.assign(options, { cluster: "mt1", wsHost: config.host, wsPort: config.port, wssPort: config.port });
  }
  if (config.authEndpoint) {
    // pusher-js's own auth request, as the frontend makes it
    options.channelAuthorization = { endpoint: config.authEndpoint, transport: "ajax", headers: config.authHeaders };
  } else {
    options.channelAuthorization = {
      customHandler: (params, callback) =>
        window.stocksyncAuthorise(params.socketId, params.channelName).then(
          (signed) => (signed.error ? callback(new Error(signed.error), null) : callback(null, signed)),
          (error) => callback(error, null),
        ),
    };
  }
  watchStalls(now, config.stall);
  const pusher = new Pusher(config.key, options);
  window.stocksyncPusher = pusher;
  let lastCode = null;
  let subscribed = false;
  pusher.connection.bind("error", (error) => {
    const data = (error && error.data) || {};
    lastCode = data.code || null;
    if (error && error.type === "PusherError") {
      record("subscription-error", null, `pusher:error ${data.code} ${data.message}`, null, now());
    }
  });
  pusher.connection.bind("state_change", (states) => {
    if (states.current === "connected") {
      record("connect", null, pusher.connection.socket_id, null, now());
      lastCode = null;
      if (!subscribed) {
        subscribed = true;
        config.channels.forEach(subscribe);
      }
    } else if (states.previous === "connected") {
      record("disconnect", null, null, lastCode, now());
    }
  });

  function subscribe(name) {
    const channel = pusher.subscribe(name);
    channel.bind("pusher:subscription_succeeded", () => record("subscribed", name, null, null, now()));
    channel.bind("pusher:subscription_error", (status) =>
      record("subscription-error", name, `auth refused: ${JSON.stringify(status)}`, null, now()),
    );
    channel.bind_global((event, data) => {
      if (event.startsWith("pusher:") || event.startsWith("pusher_internal:")) return;
      // what pusher-js handed the page, as the page got it: that is what the checks judge
      record("receipt", name, event, JSON.stringify(data === undefined ? null : data), now());
    });
  }
};

// The page times its own main thread, as the harness's processes time theirs (loop_watch.py): a
// frame handled after the thread was held is stamped late by the page's doing, not the backend's.
// Each tick that comes `minMs` or more late records how long the thread may have been held. A hidden
// page's timers are throttled, which holds no frame: its late ticks are no stalls.
function watchStalls(now, { tickMs, minMs }) {
  let woke = now();
  setInterval(() => {
    const t = now();
    if (t - woke - tickMs >= minMs && document.visibilityState === "visible") record("stall", null, null, t - woke, t);
    woke = t;
  }, tickMs);
}

// A network drop as the page lives it: the socket goes, pusher-js reconnects and resubscribes.
window.stocksyncDrop = function () {
  window.stocksyncPusher.disconnect();
  window.stocksyncPusher.connect();
};

// The frontend's write: fetch with pusher-js's socket_id, then replace the line with the response.
window.stocksyncFetch = async function (method, url, headers, body) {
  const socketId = window.stocksyncPusher && window.stocksyncPusher.connection.socket_id;
  if (socketId) headers["X-Socket-ID"] = socketId;
  try {
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    if (response.ok && method === "PATCH") {
      try {
        const line = JSON.parse(text);
        window.stocksyncLines = Object.assign(window.stocksyncLines || {}, { [line.id]: line });
      } catch (e) {
        // a body that is not a line is judged by the checks, not here
      }
    }
    return { status: response.status, contentType: response.headers.get("Content-Type") || "", text };
  } catch (error) {
    return { error: String(error) };
  }
};
