# `-y` in any position, `--assumeyes`.
FROM centos:7
RUN yum -y install httpd-2.4.6 && yum install --assumeyes mod_ssl-2.4.6 && yum clean all
