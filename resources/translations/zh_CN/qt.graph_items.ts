<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>GraphItems</name>
    <message>
        <source>detached</source>
        <translation>已分离</translation>
    </message>
    <message>
        <source>view of</source>
        <translation>视图</translation>
    </message>
    <message>
        <source>{count} nodes</source>
        <translation>{count} 个节点</translation>
    </message>
</context>
</TS>
