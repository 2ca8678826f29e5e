import { writePrincipalSnapshot } from '../bench/principal-snapshot.ts';
console.log(writePrincipalSnapshot('/tmp/p50k.json'));
