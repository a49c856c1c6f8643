FROM node:20 AS a
# stagecraft ignore=SCR025
FROM node:20 AS a
