// @tus/server with its file store on 127.0.0.1:<free port>, storing under argv[2]. Prints one
// JSON line {"url": creation URL} once listening; stops on SIGTERM.
import http from 'node:http';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const directory = process.argv[2];
if (!directory) throw new Error('usage: node server.mjs <directory>');
const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const server = http.createServer((req, res) => tus.handle(req, res));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/files` }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
