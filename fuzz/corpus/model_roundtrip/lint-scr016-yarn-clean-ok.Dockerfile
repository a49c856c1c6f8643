FROM node:20-slim
WORKDIR /app
COPY package*.json ./
RUN yarn install --frozen-lockfile && yarn cache clean
