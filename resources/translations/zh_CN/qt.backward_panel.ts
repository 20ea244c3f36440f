<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>BackwardPanel</name>
    <message>
        <source>Backward from the &lt;b&gt;{e}&lt;/b&gt;: the watched script ran and recorded it. Step through it here; its tensors stay in the script, so it cannot be run again.</source>
        <translation>从 &lt;b&gt;{e}&lt;/b&gt; 开始反向传播：被监视的脚本已运行并记录了它。可在此逐步查看；它的张量留在脚本中，因此不能再次运行。</translation>
    </message>
</context>
</TS>