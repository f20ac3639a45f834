// In-browser verification of what the server says (issue 11, item 11):
// signatures, the hash chain and log receipts. Pure functions over
// WebCrypto; no DOM and no network here (the page fetches, this checks).

export * from "./encoding";
export * from "./jcs";
export * from "./ed25519";
export * from "./merkle";
export * from "./note";
export * from "./history";
