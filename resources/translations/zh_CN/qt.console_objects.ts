<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ObjectList</name>
    <message>
        <source>{0} · {1:,} parameters</source>
        <translation>{0} · {1:,} 个参数</translation>
    </message>
    <message>
        <source>{0} · lr={1:g} · {2} tensors</source>
        <translation>{0} · lr={1:g} · {2} 个张量</translation>
    </message>
    <message>
        <source>{0} · {1} tensors</source>
        <translation>{0} · {1} 个张量</translation>
    </message>
    <message>
        <source> · shares memory with {0}</source>
        <translation> · 与 {0} 共享内存</translation>
    </message>
    <message>
        <source>module / optimizer / array</source>
        <translation>模块 / 优化器 / 数组</translation>
    </message>
    <message>
        <source>what</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Bound by console code: nn.Modules (expand for their state_dict), optimizers and NumPy arrays</source>
        <translation>控制台代码绑定的对象：nn.Module（展开可看其 state_dict）、优化器和 NumPy 数组</translation>
    </message>
    <message>
        <source>scalar</source>
        <translation>标量</translation>
    </message>
    <message>
        <source>{0} · {1:,} elements</source>
        <translation>{0} · {1:,} 个元素</translation>
    </message>
</context>
</TS>
