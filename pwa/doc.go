// Package pwa holds Walkthrough's web interface, embedded into the binary.
//
// Built with the pwa tag (after npm run build in this folder), Files returns
// dist/, the output of Vite: index.html, sw.js, the web manifest and the
// hashed assets. Without the tag it returns stub/, a single page that says
// the interface is missing, so that Go builds and tests never need Node.
package pwa
