// Writes a C file holding every file of the built dashboard (DIR) as a byte
// array, with the table server/ui_assets.h declares. Usage: node embed.mjs DIR OUT.c
import { readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';

const [dir, out] = process.argv.slice(2);
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

function walk(d) {
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const files = walk(dir).sort();
let body = '/* Generated from the built dashboard by ui/embed.mjs. Do not edit. */\n';
body += '#include "ui_assets.h"\n\n';
const table = [];
files.forEach((p, i) => {
  const data = readFileSync(p);
  const rows = [];
  for (let at = 0; at < data.length; at += 32) {
    rows.push(Array.from(data.subarray(at, at + 32), (b) => b).join(','));
  }
  body += `static const unsigned char file${i}[] = {\n${rows.join(',\n')}${rows.length ? ',' : ''}0};\n`;
  const path = '/' + relative(dir, p).split('\\').join('/');
  const type = types[extname(p)] || 'application/octet-stream';
  table.push(`    {"${path}", "${type}", file${i}, ${data.length}},`);
});
body += `\nconst srv_ui_asset srv_ui_assets[] = {\n${table.join('\n')}\n    {NULL, NULL, NULL, 0}};\n`;
writeFileSync(out + '.tmp', body);
renameSync(out + '.tmp', out);
console.log(`embed.mjs: ${files.length} files of the dashboard embedded`);
