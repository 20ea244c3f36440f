<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>RunListView</name>
    <message>
        <source>Runs</source>
        <translation>运行列表</translation>
    </message>
    <message>
        <source>Click a run to show it; tick runs to overlay them in Compare</source>
        <translation>点击一次运行即可显示它；勾选多次运行可在“比较”中叠加</translation>
    </message>
    <message>
        <source>Open run…</source>
        <translation>打开运行记录…</translation>
    </message>
    <message>
        <source>Open a run folder written by gradviz.watch (runs/&lt;name&gt;)</source>
        <translation>打开 gradviz.watch 写出的运行记录文件夹（runs/&lt;name&gt;）</translation>
    </message>
</context>
</TS>
