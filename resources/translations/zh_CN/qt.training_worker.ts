<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>TrainingRun</name>
    <message>
        <source>training failed: {0}</source>
        <translation>训练失败：{0}</translation>
    </message>
</context>
</TS>
