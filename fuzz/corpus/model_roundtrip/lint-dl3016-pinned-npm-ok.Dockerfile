# A version, a scoped package with a version, and the lock file.
FROM node:20-slim
COPY package.json package-lock.json /app/
WORKDIR /app
RUN npm install -g typescript@5.4.5 @types/node@20 && npm ci && npm cache clean --force
