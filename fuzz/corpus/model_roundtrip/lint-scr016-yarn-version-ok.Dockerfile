# `yarn --version` prints a version; it installs nothing.
FROM node:20-slim
RUN yarn --version
