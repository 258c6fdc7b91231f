// `npm run study -- NAME [flags]`: runs the compiled study script dist-bench/scripts/NAME-study.js.
import { pathToFileURL } from 'node:url';
const [name, ...rest] = process.argv.slice(2);
if (!name) {
  process.stderr.write('usage: npm run study -- NAME [flags]   (NAME: prior, saliency)\n');
  process.exit(2);
}
process.argv = [process.argv[0], `${name}-study`, ...rest];
await import(pathToFileURL(`dist-bench/scripts/${name}-study.js`).href);
