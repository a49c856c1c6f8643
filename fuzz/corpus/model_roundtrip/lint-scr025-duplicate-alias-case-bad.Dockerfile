FROM node:20 AS Build
FROM node:20 AS build
