import { load } from '../bench-support.js';
const r = await load(process.argv[2], { connections: Number(process.argv[3] ?? 50), durationSec: Number(process.argv[4] ?? 8) });
console.log(JSON.stringify(r));
