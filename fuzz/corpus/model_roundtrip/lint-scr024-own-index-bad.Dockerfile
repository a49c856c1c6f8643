FROM node:20
COPY --from=0 bar /bar
