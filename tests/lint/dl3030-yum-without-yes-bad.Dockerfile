# With no terminal, yum reads "no" and aborts the build.
FROM centos:7
RUN yum install httpd && yum clean all
