<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Inspector</name>
    <message>
        <source>Select a tensor in the Workspace or a node in the graph to see its details here.</source>
        <translation>在工作区中选择一个张量，或在计算图中选择一个节点，这里就会显示它的详细信息。</translation>
    </message>
    <message>
        <source>property</source>
        <translation>属性</translation>
    </message>
    <message>
        <source>value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>saved</source>
        <translation>保存的张量</translation>
    </message>
    <message>
        <source>shape</source>
        <translation>形状</translation>
    </message>
    <message>
        <source>state</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>What this function saved during the forward pass to compute its gradients; a backward without retain_graph frees them</source>
        <translation>该函数在前向传播中为计算梯度而保存的张量；不带 retain_graph 的反向传播会释放它们</translation>
    </message>
    <message>
        <source>Nothing selected</source>
        <translation>未选中任何对象</translation>
    </message>
    <message>
        <source>shares memory with array</source>
        <translation>与数组共享内存</translation>
    </message>
    <message>
        <source>tensor {0}</source>
        <translation>张量 {0}</translation>
    </message>
    <message>
        <source>class</source>
        <translation>类</translation>
    </message>
    <message>
        <source>the backward function</source>
        <translation>反向传播函数</translation>
    </message>
    <message>
        <source>forward op</source>
        <translation>前向运算</translation>
    </message>
    <message>
        <source>from the catalog</source>
        <translation>来自运算目录</translation>
    </message>
    <message>
        <source>— (needs no gradient)</source>
        <translation>—（不需要梯度）</translation>
    </message>
    <message>
        <source>sends gradients to</source>
        <translation>把梯度传给</translation>
    </message>
    <message>
        <source>nothing</source>
        <translation>无</translation>
    </message>
    <message>
        <source>one per forward input</source>
        <translation>每个前向输入一个</translation>
    </message>
    <message>
        <source>a value saved for backward</source>
        <translation>为反向传播保存的值</translation>
    </message>
    <message>
        <source>function {0}</source>
        <translation>函数 {0}</translation>
    </message>
    <message>
        <source>freed</source>
        <translation>已释放</translation>
    </message>
    <message>
        <source>freed by a backward without retain_graph=True</source>
        <translation>已被一次未设 retain_graph=True 的反向传播释放</translation>
    </message>
    <message>
        <source>kept</source>
        <translation>保留</translation>
    </message>
    <message>
        <source>kept for backward</source>
        <translation>为反向传播保留</translation>
    </message>
    <message>
        <source>device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>norm</source>
        <translation>范数</translation>
    </message>
    <message>
        <source>L2 norm</source>
        <translation>L2 范数</translation>
    </message>
    <message>
        <source>{0:,} elements (not shown)</source>
        <translation>{0:,} 个元素（未显示）</translation>
    </message>
</context>
</TS>
