FROM node:20 AS a
# stagecraft ignore=SC025
FROM node:20 AS a
