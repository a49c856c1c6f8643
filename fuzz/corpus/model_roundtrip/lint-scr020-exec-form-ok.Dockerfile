FROM node:20-slim
ENTRYPOINT ["node"]
CMD ["server.js"]
