<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>RecordedCallsBar</name>
    <message>
        <source>Every backward() / autograd.grad() the console code called, in order. Steps are kept for the first and last call of each input and the most recent ones.</source>
        <translation>控制台代码调用过的每一次 backward() / autograd.grad()，按调用顺序列出。每段输入的第一次和最后一次调用，以及最近的几次调用，会保留逐步数据。</translation>
    </message>
    <message>
        <source>Console calls</source>
        <translation>控制台调用</translation>
    </message>
    <message>
        <source>{0} (steps not kept)</source>
        <translation>{0}（未保留步骤）</translation>
    </message>
</context>
</TS>
