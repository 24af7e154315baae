// SPDX-License-Identifier: Apache-2.0
// A server on Node's `ws` package, for the Pants client: node ws-server.js [deflate]. Prints "port:N" once
// listening on 127.0.0.1, then what it gets ("text:...", "binary:<hex>", "pong:<hex>",
// "close:code:reason"). Echoes messages; "fragment-me" is answered in two frames with a ping
// between, "close-me" with a close 4002.
'use strict';
const WebSocket = require('ws');
const deflate = process.argv[2] === 'deflate';
const server = new WebSocket.Server({
  host: '127.0.0.1', port: 0,
  // with "deflate": permessage-deflate on every message (ws compresses from 1 KiB by default)
  perMessageDeflate: deflate ? { threshold: 0 } : false,
  handleProtocols: (protocols) => (protocols.has('v2') ? 'v2' : false),
});
const print = (line) => process.stdout.write(line + '\n');
server.on('listening', () => print('port:' + server.address().port));
server.on('connection', (ws, request) => {
  print('open:' + ws.protocol + ':' + request.url + (deflate ? ':' + ws.extensions : ''));
  ws.ping(Buffer.from('from ws'));
  ws.on('message', (data, isBinary) => {
    print(isBinary ? 'binary:' + data.toString('hex') : 'text:' + data.toString());
    if (!isBinary && data.toString() === 'fragment-me') {
      ws.send('frag', { fin: false });
      ws.ping(Buffer.from('mid'));
      ws.send('mented', { fin: true });
    } else if (!isBinary && data.toString() === 'close-me') {
      ws.close(4002, 'server bye');
    } else {
      ws.send(data, { binary: isBinary });
    }
  });
  ws.on('ping', (data) => print('ping:' + data.toString('hex')));
  ws.on('pong', (data) => print('pong:' + data.toString('hex')));
  ws.on('close', (code, reason) => print('close:' + code + ':' + reason.toString()));
});
