<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ErrorLine</name>
    <message>
        <source>details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Show PyTorch&apos;s own message (the text to search for)</source>
        <translation>显示 PyTorch 的原始消息（可用它来搜索）</translation>
    </message>
</context>
<context>
    <name>ParamFields</name>
    <message>
        <source>e.g. 2, 3</source>
        <translation>例如 2, 3</translation>
    </message>
    <message>
        <source>e.g. 0 or 0, 1</source>
        <translation>例如 0 或 0, 1</translation>
    </message>
    <message>
        <source>e.g. 0, 1:3 or ..., -1</source>
        <translation>例如 0, 1:3 或 ..., -1</translation>
    </message>
    <message>
        <source>names, e.g. a, b</source>
        <translation>名称，例如 a, b</translation>
    </message>
    <message>
        <source>e.g. [[1., 2.], [3., 4.]]</source>
        <translation>例如 [[1., 2.], [3., 4.]]</translation>
    </message>
    <message>
        <source>a number</source>
        <translation>一个数</translation>
    </message>
    <message>
        <source>a whole number</source>
        <translation>一个整数</translation>
    </message>
    <message>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>names, e.g. a, b (create tensors first)</source>
        <translation>名称，例如 a, b（请先创建张量）</translation>
    </message>
    <message>
        <source>names, e.g. {0}</source>
        <translation>名称，例如 {0}</translation>
    </message>
    <message>
        <source>a tensor or a number</source>
        <translation>张量或数</translation>
    </message>
    <message>
        <source>no tensors yet</source>
        <translation>还没有张量</translation>
    </message>
    <message>
        <source>default {0}</source>
        <translation>默认 {0}</translation>
    </message>
    <message>
        <source> ({0})</source>
        <translation>（{0}）</translation>
    </message>
    <message>
        <source>e.g. {0}</source>
        <translation>例如 {0}</translation>
    </message>
</context>
</TS>
