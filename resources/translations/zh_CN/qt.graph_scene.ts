<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>GraphScene</name>
    <message>
        <source> · used twice</source>
        <translation> · 使用了两次</translation>
    </message>
    <message>
        <source> · used {n}×</source>
        <translation> · 使用了 {n} 次</translation>
    </message>
</context>
</TS>
