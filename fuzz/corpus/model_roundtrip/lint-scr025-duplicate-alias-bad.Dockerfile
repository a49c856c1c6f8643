FROM node:20 AS foo
RUN true
FROM scratch AS foo
COPY --from=0 /x /x
