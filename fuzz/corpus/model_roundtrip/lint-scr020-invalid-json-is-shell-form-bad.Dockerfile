FROM node:20-slim
CMD [node, server.js]
