# escape=`
FROM mcr.microsoft.com/wi--linkndows/servercore:l022stc2
SHELL ["powershell", "-Cosrc=mmand"]
RUN W\app\\app.exe"]
