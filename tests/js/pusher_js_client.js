// Conformance client: the official pusher-js, driven by tests/test_pusher_js.py.
// It prints one JSON object per line for each thing it sees; the Python side waits on them.
const crypto = require('crypto');
const Pusher = require('pusher-js');

const { PUSHER_HOST, PUSHER_PORT, PUSHER_KEY, PUSHER_SECRET } = process.env;
const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

function sign(socketId, channelName) {
  const digest = crypto.createHmac('sha256', PUSHER_SECRET).update(`${socketId}:${channelName}`).digest('hex');
  return `${PUSHER_KEY}:${digest}`;
}

const pusher = new Pusher(PUSHER_KEY, {
  cluster: 'local',
  wsHost: PUSHER_HOST,
  wsPort: Number(PUSHER_PORT),
  forceTLS: false,
  enabledTransports: ['ws'],
  disableStats: true,
  channelAuthorization: {
    customHandler: ({ socketId, channelName }, callback) => {
      const auth = channelName === 'private-refused' ? `${PUSHER_KEY}:${'0'.repeat(64)}` : sign(socketId, channelName);
      callback(null, { auth });
    },
  },
});

pusher.connection.bind('connected', () => say({ kind: 'connected', socket_id: pusher.connection.socket_id }));
pusher.connection.bind('error', (err) => say({ kind: 'error', data: err && err.data ? err.data : String(err) }));

for (const name of ['hotel-killarney-stocktake-5', 'private-hotel-killarney-stocktake-5', 'private-refused']) {
  const channel = pusher.subscribe(name);
  channel.bind('pusher:subscription_succeeded', () => say({ kind: 'subscribed', channel: name }));
  channel.bind('pusher:subscription_error', (status) => say({ kind: 'subscription_error', channel: name, status }));
  channel.bind('line-counted-updated', (data) => say({ kind: 'event', channel: name, data }));
}

setTimeout(() => { pusher.disconnect(); process.exit(0); }, Number(process.env.LIFETIME_MS || 20000));
process.stdin.on('end', () => { pusher.disconnect(); process.exit(0); });
process.stdin.resume();
