exports.greet = (who) => `hello ${who}\n`;
