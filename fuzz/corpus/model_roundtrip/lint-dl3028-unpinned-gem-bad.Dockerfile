# `bundler` is the newest release of the day (also after `--no-document`).
FROM ruby:3.3-slim
RUN gem install --no-document bundler
