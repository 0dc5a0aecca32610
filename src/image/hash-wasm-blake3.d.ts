/** Types of hash-wasm's single-algorithm BLAKE3 build (see image.ts). */
declare module 'hash-wasm/dist/blake3.umd.min.js' {
  const blake3: { createBLAKE3: (typeof import('hash-wasm'))['createBLAKE3'] }
  export default blake3
}
