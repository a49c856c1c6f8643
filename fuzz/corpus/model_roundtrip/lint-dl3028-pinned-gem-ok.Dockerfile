# `gem:version` and `-v`.
FROM ruby:3.3-slim
RUN gem install bundler:2.5.10 && gem install rake -v 13.2.1
