// SPDX-License-Identifier: Apache-2.0
// A client on Node's `ws` package, against the Pants server: node ws-client.js URL SCENARIO.
// Prints what it gets, a line each ("text:...", "binary:<hex>", "pong:<hex>", "close:code:reason").
'use strict';
const WebSocket = require('ws');
const [url, scenario] = process.argv.slice(2);
const ws = new WebSocket(url, ['chat.v1', 'chat.v2']);
const print = (line) => process.stdout.write(line + '\n');
ws.on('open', () => {
  print('open:' + ws.protocol);
  if (scenario === 'echo') {
    ws.send('hello from ws \u20ac');
    ws.send(Buffer.from([1, 2, 3]));
    ws.send('frag', { fin: false });
    ws.ping(Buffer.from('between'));
    ws.send('ment', { fin: true });
    ws.ping(Buffer.from('p'));
  } else if (scenario === 'deflate') {
    print('extensions:' + ws.extensions);
    ws.send('compress me '.repeat(1000));
    ws.send('compress me '.repeat(1000)); // the second one with the context of the first
    ws.send(Buffer.alloc(5000, 7));
    ws.send('short');
  } else if (scenario === 'big') {
    ws.send(Buffer.alloc(2 * 1024 * 1024)); // over the server's default limit of 1 MiB
  }
});
let received = 0;
ws.on('message', (data, isBinary) => {
  print(isBinary ? 'binary:' + data.toString('hex') : 'text:' + data.toString());
  if ((scenario === 'echo' && ++received === 3) || (scenario === 'deflate' && ++received === 4)) ws.close(4000, 'bye');
});
ws.on('ping', (data) => print('ping:' + data.toString('hex')));
ws.on('pong', (data) => print('pong:' + data.toString('hex')));
ws.on('close', (code, reason) => { print('close:' + code + ':' + reason.toString()); process.exit(0); });
ws.on('error', (e) => { print('error:' + e.message); });
