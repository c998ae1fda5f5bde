const http = require('node:http');
const { greet } = require('./greet');
http.createServer((req, res) => res.end(greet(req.url))).listen(8080);
