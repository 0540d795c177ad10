const m = () => { global.gc(); const u = process.memoryUsage(); return `rss ${(u.rss/1e6).toFixed(0)} heapUsed ${(u.heapUsed/1e6).toFixed(0)}`; };
console.log('start', m());
for (const mod of process.argv.slice(2)) { require(mod); console.log(mod, m()); }
