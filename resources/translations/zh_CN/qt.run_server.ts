<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>RunServer</name>
    <message>
        <source>run {0}</source>
        <translation>运行 {0}</translation>
    </message>
</context>
</TS>
