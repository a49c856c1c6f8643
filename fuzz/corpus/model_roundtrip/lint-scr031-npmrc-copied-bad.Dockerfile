FROM node:20
WORKDIR /app
COPY .npmrc package.json package-lock.json ./
COPY id_rsa /root/.ssh/id_rsa
